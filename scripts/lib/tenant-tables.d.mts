export interface TenantTable {
  name: string;
  /** SQL selecting one tenant's rows (`?1` is the tenant id); default `tenant_id = ?1`. */
  where?: string;
  autoId?: boolean;
  orIgnore?: boolean;
  appendOnly?: boolean;
}
export const TENANT_TABLES: TenantTable[];
export const CONTROL_PLANE_TABLES: string[];

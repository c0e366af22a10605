export const HOLD_WAIT_MS: number;

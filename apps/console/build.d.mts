/** Types of build.mjs, for the worker's vitest config and the local scripts that import it. */
export declare const distDir: string;
export declare function buildAssets(options?: { quiet?: boolean }): Promise<void>;

export * from "./schema";
export * from "./consent";
export * from "./providers";

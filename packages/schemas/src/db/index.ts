export * from "./schema";
export * from "./consent";

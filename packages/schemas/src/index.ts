export * from "./lifecycle";
export * as tables from "./db";
export * from "./wire/common";
export * from "./wire/patient";
export * from "./wire/agent";
export * from "./wire/call";
export * from "./wire/admin";
export * from "./wire/provider";

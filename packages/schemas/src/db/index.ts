export * from "./schema";
export * from "./consent";
export * from "./call-options";
export * from "./comms";

export * from "./schema";
export * from "./consent";
export * from "./call-options";
export * from "./comms";
export * from "./webhooks";
export * from "./idempotency";
export * from "./audit";
export * from "./providers";

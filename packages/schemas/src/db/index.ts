export * from "./schema";
export * from "./consent";
export * from "./webhooks";
export * from "./idempotency";
export * from "./audit";

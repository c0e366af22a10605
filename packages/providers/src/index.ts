export * from "./types";
export { createSimulatorProvider, DEFAULT_SIMULATOR_OPTIONS } from "./simulator";
export { createProvider } from "./registry";

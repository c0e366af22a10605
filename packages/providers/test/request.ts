import type { PlaceCallRequest } from "../src/index";

/** A call as the worker hands it to an adapter. */
export function placeRequest(overrides: Partial<PlaceCallRequest> = {}): PlaceCallRequest {
  return {
    callId: "3b0c6e7e-5d1f-4a8e-9a44-2f0d6c1b7a10",
    attempt: 1,
    toNumber: "+15555550142",
    agent: { id: "agt_1", name: "Reminder", settings: {} },
    metadata: { appointment: { name: "Check-up" } },
    reason: "appointment reminder",
    recording: true,
    ...overrides,
  };
}

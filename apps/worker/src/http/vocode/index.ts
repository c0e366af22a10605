import type { App } from "../context";
import { registerVocodeCalls } from "./calls";
import { registerVocodeCreate } from "./create";
import { vocodeNotFound, vocodeOnError } from "./errors";

/** Vocode's hosted calls API under /v1, on Switchboard's calls. */
export const vocodeSurface = {
  prefix: "/v1",
  register(app: App) {
    registerVocodeCreate(app);
    registerVocodeCalls(app);
  },
  onError: vocodeOnError,
  notFound: vocodeNotFound,
};

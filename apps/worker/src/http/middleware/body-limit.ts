import { bodyLimit } from "hono/body-limit";
import { HttpError } from "../errors";

/** Largest JSON body accepted: a 1,000-patient batch with generous `extended` data fits. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Refuses a body over `maxBytes` with a 413 before anything reads it; each surface words the 413 its own way. */
export function limitBody(maxBytes = MAX_BODY_BYTES, message = `Request body too large (limit ${maxBytes} bytes)`) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, message);
    },
  });
}

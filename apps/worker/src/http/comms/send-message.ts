import { createRoute } from "@hono/zod-openapi";
import { CommsMessage, SendMessageForm } from "@switchboard/schemas";
import type { ValidationItem } from "../fastapi";
import { commsValidationError } from "./errors";
import { publicBaseUrl } from "../base-url";
import { ATTACHMENT_LIMITS } from "../../sms/media";
import { hasSigningKey } from "../../messages/file-links";
import { sendMessage } from "../../messages/send";
import { messagesToWire } from "../wire/comms-message";
import { scopeOf, type App } from "../context";
import { limitBody } from "../middleware/body-limit";
import { jsonResponse } from "../openapi/helpers";
import { commsErrorResponses, commsSecurity as security } from "./openapi";

export const SEND_MESSAGE_PATH = "/chat/send-message";
/** The whole multipart body: the attachments' limit and room for the text fields and part headers. */
export const MAX_SEND_MESSAGE_BYTES = ATTACHMENT_LIMITS.maxTotalBytes + 256 * 1024;

/**
 * The upload's own limit, mounted by the surface (comms/index.ts) ahead of everything that reads
 * the body, the Idempotency-Key's fingerprint included.
 */
export function sendMessageBodyLimit() {
  return limitBody(MAX_SEND_MESSAGE_BYTES, `Request body too large: attachments may total at most ${ATTACHMENT_LIMITS.maxTotalBytes} bytes`);
}

/** File parts under any name clients use for a list of files: files, files[], files[0], files.0.items. */
const FILE_FIELD = /^files(\[\d*\]|\.\d+(\.items)?)?$/;

function fileParts(form: Record<string, unknown>): File[] {
  const files: File[] = [];
  const issues: ValidationItem[] = [];
  for (const [key, value] of Object.entries(form)) {
    if (!FILE_FIELD.test(key)) continue;
    for (const part of Array.isArray(value) ? value : [value]) {
      if (part instanceof File) {
        // A form's empty file input sends a nameless, empty part: nothing was attached.
        if (part.size > 0 || part.name) files.push(part);
      } else if (part !== "" && part !== undefined) {
        issues.push({ loc: ["body", "files", files.length + issues.length], msg: "Value error, Expected UploadFile, received: <class 'str'>", type: "value_error" });
      }
    }
  }
  if (issues.length) throw commsValidationError(issues);
  return files;
}

export function registerSendMessageRoute(app: App) {
  app.openapi(
    createRoute({
      method: "post", path: SEND_MESSAGE_PATH, operationId: "commsSendMessage", tags: ["Comms"], security,
      summary: "Create Message",
      description:
        "Stores the message in the chat and texts it to the patient through the tenant's messaging provider. `message_uid` makes it idempotent within the chat. Files (JPEG, PNG, GIF, PDF; at most 10 and 5 MB in all) come back as signed links that expire. " +
        "The contact policy decides the text first, its purpose taken from `message_type` (REMINDER, CONFIRMATION, CANCELLED, UPDATE, EXPIRED, OVERRIDE and none: " +
        "appointment_reminder; FOLLOW_UP: post_discharge_follow_up; INTRODUCTORY: other, which needs the patient's consent for texts): refused texts are " +
        "OPTED_OUT (opted out, do-not-call list) or FAILED, deferred ones SCHEDULED until their time, each with `errorMessage` naming the rule.",
      request: { body: { required: true, content: { "multipart/form-data": { schema: SendMessageForm } } } },
      responses: { 200: jsonResponse(CommsMessage, "Successful Response"), ...commsErrorResponses(401, 403, 404, 409, 413, 415, 503) },
    }),
    async (c) => {
      const form = c.req.valid("form");
      const baseUrl = publicBaseUrl(c.env, c.req.url);
      const { message: row } = await sendMessage(
        { env: c.env, db: c.var.db, tenantId: c.var.tenantId, baseUrl, waitUntil: (p) => c.executionCtx.waitUntil(p), audit: scopeOf(c) },
        {
          senderId: form.sender_id,
          chatId: form.chat_id,
          content: form.content,
          messageUid: form.message_uid,
          quoteId: form.quote_id,
          eventId: form.event_id,
          type: form.message_type,
          files: fileParts(form),
        },
      );
      const signer = hasSigningKey(c.env) ? { baseUrl, secret: c.env.FILES_SIGNING_KEY!, issuedTo: c.var.apiKeyId } : null;
      const [message] = await messagesToWire(c.var.db, c.var.tenantId, [row], signer);
      return c.json(message!, 200);
    },
  );
}

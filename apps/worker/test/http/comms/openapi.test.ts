import { describe, expect, it } from "vitest";
import { call } from "../../helpers/http";

/**
 * The published documents, field by field: name and whether the value may be null. Our objects
 * always carry every field, so "required" here is every documented field.
 */
const DOCUMENTED_CALL: Record<string, boolean> = {
  id: false, chatId: false, direction: false, status: false, sender: false, receiver: false, completedDate: true, retellCallId: true,
  disconnectionReason: true, pathToAudio: true, summary: true, context: false, createdDate: true, toolCalls: false, tags: false,
  invoiceId: true, type: false, locationId: true,
};
const DOCUMENTED_MESSAGE: Record<string, boolean> = {
  id: false, chatId: false, status: false, sender: false, createdDate: false, messageUid: true, content: true, errorMessage: true,
  sendoMessageId: true, functionCall: false, files: true, suggestedMessages: true, toolCalls: true, eventId: true, type: true,
};

function nullable(schema: any): boolean {
  return (
    (schema.anyOf ?? schema.oneOf ?? []).some((s: any) => s.type === "null") ||
    (Array.isArray(schema.type) && schema.type.includes("null")) ||
    (Array.isArray(schema.enum) && schema.enum.includes(null))
  );
}

function enumOf(schema: any): string[] | undefined {
  const values: unknown[] | undefined = schema.enum ?? (schema.anyOf ?? []).find((s: any) => s.enum)?.enum;
  return values?.filter((v) => v !== null) as string[] | undefined;
}

describe("/openapi.json describes /comms as published", () => {
  it("has the documented fields, nullability and enums", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const { components, paths } = res.body;

    const callSchema = components.schemas.CommsCall;
    expect(Object.keys(callSchema.properties)).toEqual(Object.keys(DOCUMENTED_CALL));
    for (const [field, isNullable] of Object.entries(DOCUMENTED_CALL)) expect(nullable(callSchema.properties[field]), `Call.${field}`).toBe(isNullable);
    expect(callSchema.properties.direction.enum).toEqual(["INBOUND", "OUTBOUND"]);
    expect(callSchema.properties.status.enum).toEqual(["CREATED", "ONGOING", "TRANSFERRED", "DISCONNECTED", "FAILED", "FINISHED", "VOICEMAIL"]);
    expect(callSchema.properties.type.enum).toEqual(["MANUAL", "AI"]);

    const messageSchema = components.schemas.CommsMessage;
    expect(Object.keys(messageSchema.properties)).toEqual(Object.keys(DOCUMENTED_MESSAGE));
    for (const [field, isNullable] of Object.entries(DOCUMENTED_MESSAGE)) expect(nullable(messageSchema.properties[field]), `Message.${field}`).toBe(isNullable);
    expect(messageSchema.properties.status.enum).toEqual(["CREATED", "QUEUED", "SCHEDULED", "SENDING", "SENT", "UNDELIVERED", "DELIVERED", "READ", "FAILED", "EXPIRED", "OPTED_OUT"]);
    expect(enumOf(messageSchema.properties.type)).toEqual(["REMINDER", "OVERRIDE", "FOLLOW_UP", "EXPIRED", "CONFIRMATION", "INTRODUCTORY", "CANCELLED", "UPDATE"]);

    const user = components.schemas.UserTiny;
    expect(Object.keys(user.properties)).toEqual(["id", "type", "firstName", "lastName", "phoneNumber", "email", "locationId"]);
    expect(user.properties.type.enum).toEqual(["PROVIDER", "PATIENT", "ASSISTANT"]);

    const request = components.schemas.AiCallRequest;
    expect(request.required).toEqual(["assistantType", "reasonForCall", "patientId"]);
    expect(request.properties.assistantType.enum).toEqual(["BILLER", "CALL_REMINDER", "CALL_FOLLOW_UP", "CALL_LAB_TECHNICIAN"]);
    expect(request.properties.provider).toMatchObject({ enum: ["retell", "livekit"], default: "livekit" });
    expect(nullable(request.properties.eventId)).toBe(true);

    const form = paths["/comms/chat/send-message"].post.requestBody.content["multipart/form-data"].schema;
    const formSchema = form.$ref ? components.schemas[form.$ref.split("/").pop()] : form;
    expect(formSchema.required).toEqual(["sender_id", "chat_id"]);
    expect(Object.keys(formSchema.properties)).toEqual(["sender_id", "chat_id", "content", "message_uid", "quote_id", "files", "event_id", "message_type"]);
    expect(paths["/comms/call/ai"].post.responses["422"].content["application/json"].schema.$ref).toBe("#/components/schemas/HTTPValidationError");
    expect(paths["/comms/call/{id}"].get).toBeDefined();
  });
});

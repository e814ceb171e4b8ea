/**
 * Request bodies are read raw and parsed here, so that every problem gets
 * a Graph error that says what to fix.
 */
import { apiErrors } from "../errors.ts";
import type { ApiRequest } from "./exchange.ts";

/** Reads the JSON body of a request; the content type must be JSON. */
export function readJsonBody(request: ApiRequest): unknown {
  const contentType = request.headers["content-type"];
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw apiErrors.unsupportedMediaType(contentType);
  }
  const text = request.body?.toString("utf8") ?? "";
  if (text.trim() === "") {
    throw apiErrors.bodyRead(
      "The request body is empty. Send a JSON object or array.",
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw apiErrors.bodyRead(`The request body is not valid JSON: ${reason}.`);
  }
}

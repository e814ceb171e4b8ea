/** Header values that Graph sends and clients check. */

/** Content type of every JSON data response. */
export const dataContentType =
  "application/json;odata.metadata=minimal;odata.streaming=true;" +
  "IEEE754Compatible=false;charset=utf-8";

/** Content type of error bodies: plain JSON, as Graph sends it. */
export const errorContentType = "application/json";

export const odataVersion = "4.0";

// The portal's own routes a client asks first: the files settings, and a token for a user name and password.
import { type Context, Hono } from "hono";
import { contextOf, type EmulatorCore } from "./_context.ts";
import { envelope, envelopeError } from "./_envelope.ts";
import type { EmulatorUser } from "./options.ts";

/** The JSON body's fields by lower-cased name; none when it does not parse. */
function lowerCaseFields(body: Uint8Array): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  try {
    const json = JSON.parse(new TextDecoder().decode(body));
    for (const [k, v] of Object.entries(json ?? {})) {
      fields.set(k.toLowerCase(), v);
    }
  } catch { /* an unreadable body authenticates nobody */ }
  return fields;
}

/** The user with that email (any case) and password, who has a token to hand out. */
function userOf(
  users: EmulatorUser[],
  fields: Map<string, unknown>,
): EmulatorUser | undefined {
  const name = String(fields.get("username") ?? "").toLowerCase();
  return users.find((u) =>
    u.email !== undefined && u.password !== undefined &&
    u.tokens[0] !== undefined &&
    u.email.toLowerCase() === name && u.password === fields.get("password")
  );
}

/** `GET /files/settings` and `POST /authentication` (also `.json`), mounted at /api/2.0. */
export function portalRoutes(core: EmulatorCore): Hono {
  const { options } = core;
  // web/ASC.Web.Api/Api/AuthenticationController.cs: userName and password for a token
  const authentication = (c: Context): Response => {
    const fields = lowerCaseFields(contextOf(core, c.req.raw).body);
    const user = userOf(options.users, fields);
    if (user === undefined) {
      return envelopeError(c, 401, "User authentication failed");
    }
    const expires = new Date(options.now() + 365 * 24 * 3600 * 1000)
      .toISOString();
    return envelope(c, {
      token: user.tokens[0],
      expires,
      sms: false,
      phoneNoise: "",
      tfa: false,
    });
  };
  return new Hono()
    // products/ASC.Files/Server/Api/SettingsController.cs; the sizes from web/ASC.Web.Core/SetupInfo.cs
    .get("/files/settings", (c) =>
      envelope(c, {
        storeOriginalFiles: true,
        confirmDelete: true,
        updateIfExist: false,
        keepNewFileName: false,
        convertNotify: true,
        hideConfirmConvertSave: false,
        chunkUploadSize: options.chunkUploadSize,
        maxUploadThreadCount: options.maxUploadThreadCount,
        maxUploadFilesCount: 5,
        // FileUtility.ExtsMustConvert (products/ASC.Files/Core/Helpers/FileUtility.cs): the formats with the
        // "auto-convert" action, which a single-request upload converts (FileUploader.ExecAsync)
        extsMustConvert: options.extsMustConvert,
        openEditorInSameTab: false,
        displayFileExtension: true,
      }))
    .post("/authentication", authentication)
    .post("/authentication.json", authentication);
}

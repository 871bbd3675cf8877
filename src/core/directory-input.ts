/**
 * Realms, users and groups as operators write them: the input of `directory.putRealm`, `putUser` and
 * `putGroup`, and (without `realm` and `mode`) the realms of the configuration file (`config.ts`), so
 * that the file, the command line and the admin API check a directory entry in the same way.
 *
 * @module
 */

import {
  DIRECTORY_NAME,
  DIRECTORY_NUMBER,
  GUID,
  PRIVILEGE_LIST,
  REALM_NAME,
  REALM_REFERENCE,
  WRITE_MODE,
} from "./fields.ts";
import { WELL_FORMED_LOCALE } from "./locale.ts";
import { choiceOf, Type } from "./schema.ts";
import { NAME_PATTERN } from "./validate.ts";

const nullableLimit = (description: string) =>
  Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description }));

/** A realm as an operator writes it, in the configuration file or through the API. */
export const PUT_REALM_INPUT = Type.Object(
  {
    name: REALM_NAME,
    mode: Type.Optional(WRITE_MODE),
    id: Type.Optional(GUID),
    defaultLocale: Type.Optional(
      Type.String({ maxLength: 5, pattern: WELL_FORMED_LOCALE.source, errorMessage: "must look like 'en' or 'en_US'" }),
    ),
    supportedLocales: Type.Optional(
      Type.Array(Type.String({ pattern: WELL_FORMED_LOCALE.source }), {
        minItems: 1,
        maxItems: 200,
        errorMessage: "must be a non-empty list of locales like 'en' or 'en_US'",
      }),
    ),
    idleTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 0, description: "0: sessions never idle out" })),
    maxIdleTimeoutSeconds: nullableLimit("Cuts any idle timeout a client chooses; null: no cut"),
    maxLifetimeSeconds: nullableLimit("Sessions end this long after they were made, active or not; null: never"),
    maxSessionsPerUser: nullableLimit("Live sessions a user may hold at once; null: no cap"),
    maxSessionsPolicy: Type.Optional(
      choiceOf(["deny", "evict-oldest"] as const, { description: "What a login over the cap does" }),
    ),
    allowSelfRegistration: Type.Optional(Type.Boolean()),
    lockoutAfterFailures: nullableLimit(
      "Failed logins after which a user is disabled until an operator enables it; null (the default): never",
    ),
  },
  { additionalProperties: false },
);

/** A user as an operator writes it, in the configuration file or through the API. */
export const PUT_USER_INPUT = Type.Object(
  {
    name: DIRECTORY_NAME,
    realm: Type.Optional(REALM_REFERENCE),
    mode: Type.Optional(WRITE_MODE),
    number: Type.Optional(DIRECTORY_NUMBER),
    fullName: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "Hashed with argon2id; never stored",
        errorMessage: "must be a non-empty text of at most 1024 characters",
      }),
    ),
    passwordHash: Type.Optional(
      Type.String({
        maxLength: 512,
        pattern: "^\\$argon2id\\$",
        description: "An argon2id hash instead of a password",
      }),
    ),
    groups: Type.Optional(
      Type.Array(Type.String({ pattern: NAME_PATTERN.source }), { maxItems: 256, errorMessage: "must be group names" }),
    ),
    privileges: Type.Optional(PRIVILEGE_LIST),
    disabled: Type.Optional(Type.Boolean({ description: "A disabled user cannot log in; its sessions end" })),
  },
  { additionalProperties: false },
);

/** A group as an operator writes it, in the configuration file or through the API. */
export const PUT_GROUP_INPUT = Type.Object(
  {
    name: DIRECTORY_NAME,
    realm: Type.Optional(REALM_REFERENCE),
    mode: Type.Optional(WRITE_MODE),
    number: Type.Optional(DIRECTORY_NUMBER),
    privileges: Type.Optional(PRIVILEGE_LIST),
  },
  { additionalProperties: false },
);

/**
 * The operation registry: every operation the engine offers, by its stable name. Front doors map
 * their wire names to these.
 *
 * @module
 */

export { acquireCloneTicket } from "./acquire-clone-ticket.ts";
export { acquireLocalTicket } from "./acquire-local-ticket.ts";
export { acquireServiceTicket } from "./acquire-service-ticket.ts";
export { addWebhook } from "./add-webhook.ts";
export { cloneSession } from "./clone-session.ts";
export { countAudit } from "./count-audit.ts";
export { type CreateSessionInput, createSession } from "./create-session.ts";
export { deleteAttribute } from "./delete-attribute.ts";
export { deleteGroup } from "./delete-group.ts";
export { deleteRealm } from "./delete-realm.ts";
export { deleteUser } from "./delete-user.ts";
export { describeRealm, type RealmDescription } from "./describe-realm.ts";
export { disconnectSession } from "./disconnect-session.ts";
export { disposeBySecret } from "./dispose-by-secret.ts";
export { endSession } from "./end-session.ts";
export { getAttribute } from "./get-attribute.ts";
export { getGroup } from "./get-group.ts";
export { getRealm } from "./get-realm.ts";
export { getServiceMessage } from "./get-service-message.ts";
export { getUser } from "./get-user.ts";
export { getWebhook } from "./get-webhook.ts";
export { impersonate } from "./impersonate.ts";
export { inspectSession } from "./inspect-session.ts";
export { issueLoginTicket, type LoginTicket, MAX_LOGIN_TICKET_SECONDS } from "./issue-login-ticket.ts";
export { listAttributes } from "./list-attributes.ts";
export { listAudit } from "./list-audit.ts";
export { listGroups } from "./list-groups.ts";
export { listPublicRealms } from "./list-public-realms.ts";
export { listRealms } from "./list-realms.ts";
export { listSessions } from "./list-sessions.ts";
export { listUsers } from "./list-users.ts";
export { listWebhooks } from "./list-webhooks.ts";
export { type LoginInput, type LoginResult, login } from "./login.ts";
export { type LoginPersonInput, loginPerson } from "./login-person.ts";
export { logout } from "./logout.ts";
export { probeSecret } from "./probe-secret.ts";
export { putAttribute } from "./put-attribute.ts";
export { putAttributes } from "./put-attributes.ts";
export { putGroup } from "./put-group.ts";
export { putRealm } from "./put-realm.ts";
export { putUser } from "./put-user.ts";
export { type RegisterUserInput, registerUser } from "./register-user.ts";
export { removeWebhook } from "./remove-webhook.ts";
export { sessionAttributes } from "./session-attributes.ts";
export { sessionIsActive } from "./session-is-active.ts";
export { setLocale } from "./set-locale.ts";
export { setPassword } from "./set-password.ts";
export { setUserDisabled } from "./set-user-disabled.ts";
export {
  type SessionRef,
  type TerminateOutcome,
  type TerminateResult,
  terminateSessions,
} from "./terminate-sessions.ts";
export { updateServiceMessage } from "./update-service-message.ts";
export { updateWebhook } from "./update-webhook.ts";
export { userActive } from "./user-active.ts";
export { whoAmI } from "./who-am-i.ts";

/**
 * The in-memory store: one process's sessions, directory, tickets and settings, kept in memory
 * (`memory-store.ts` tells how).
 *
 * @module
 */

export { createMemoryStore } from "./memory-store.ts";

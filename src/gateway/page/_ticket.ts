// Where the page's upload ticket comes from, and what it says. In order: the URL fragment
// (`#ticket=…&folder=…`, never sent to a server; removed from the address bar at once, so no reload or
// Referer carries it), this tab's sessionStorage (so a reload keeps it), or a message from the page that
// opened or embeds this one: `{ type: "docspace-upload:ticket", ticket, folder? }` (see _page.ts).
// Browser-only.

/** A ticket and the folder it is used for. */
export interface Access {
  ticket: string;
  folder: string;
}

/** What a ticket says about itself (unverified: only the gateway checks it). */
export interface TicketInfo {
  folder?: string;
  maxBytes?: number;
  /** Expiry, in ms since the epoch. */
  expires?: number;
}

declare const history: {
  replaceState(data: null, unused: string, url: string): void;
};

const KEY = "docspace-upload:access";

/** Reads the ticket from the fragment (and removes the fragment) or from this tab's storage. */
export function initialAccess(): Access {
  const params = new URLSearchParams(location.hash.slice(1));
  if (location.hash !== "") {
    history.replaceState(null, "", location.pathname + location.search);
  }
  const ticket = params.get("ticket");
  if (ticket !== null) {
    return { ticket: ticket.trim(), folder: params.get("folder") ?? "" };
  }
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    if (typeof kept?.ticket === "string") {
      return {
        ticket: kept.ticket,
        folder: typeof kept.folder === "string" ? kept.folder : "",
      };
    }
  } catch { /* storage disabled */ }
  return { ticket: "", folder: "" };
}

/** Keeps the ticket for this tab, so that a reload does not lose it. */
export function keepAccess(access: Access): void {
  try {
    if (access.ticket === "") sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, JSON.stringify(access));
  } catch { /* storage disabled */ }
}

/** The access a message from the embedding or opening page hands over, if it is one. */
export function accessFromMessage(data: unknown): Access | undefined {
  const message = data as {
    type?: unknown;
    ticket?: unknown;
    folder?: unknown;
  };
  if (
    typeof message !== "object" || message === null ||
    message.type !== "docspace-upload:ticket" ||
    typeof message.ticket !== "string" || message.ticket.length > 4096
  ) return undefined;
  return {
    ticket: message.ticket.trim(),
    folder: typeof message.folder === "string" ||
        typeof message.folder === "number"
      ? String(message.folder)
      : "",
  };
}

/** The unverified content of a ticket (`ut1.<payload>.<mac>`), or undefined when it is not one. */
export function readTicket(ticket: string): TicketInfo | undefined {
  const parts = ticket.split(".");
  if (parts.length !== 3 || parts[1] === "" || parts[1]!.length > 2048) {
    return undefined;
  }
  try {
    const text = atob(parts[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    const { f, m, e } = JSON.parse(text);
    const info: TicketInfo = {};
    if (typeof f === "string" || typeof f === "number") info.folder = String(f);
    if (Number.isSafeInteger(m)) info.maxBytes = m;
    if (Number.isFinite(e)) info.expires = e * 1000;
    return info;
  } catch {
    return undefined;
  }
}

/**
 * Data API sessions: `SessionKeepAliveSeconds` (0–86400) on a call opens a session — here one
 * dedicated PostgreSQL connection — whose `SessionId` later calls pass to run on it, so temporary
 * tables persist ("The ability to create temporary tables that can be referenced across the entire
 * session lifespan", https://aws.amazon.com/blogs/big-data/accelerate-your-data-workflows-with-amazon-redshift-data-api-persistent-sessions/).
 * The session stays open for its keep-alive seconds after each statement finishes and at most
 * 24 hours in all ("After 24 hours, the session is forced closed", SessionKeepAliveSeconds in
 * https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html).
 * Statuses are ListSessions' AVAILABLE, BUSY and CLOSED (API_SessionData.html).
 */
import type pg from 'pg';

export const MAX_SESSION_MS = 24 * 3600 * 1000;

export interface Session {
  id: string;
  client: pg.Client;
  status: 'AVAILABLE' | 'BUSY' | 'CLOSED';
  keepAliveSeconds: number;
  createdAt: number;
  /** When it closes if nothing runs on it before. */
  expiresAt: number;
  database: string;
  /** The connection members of the call that opened it, echoed by later calls on it. */
  target: Record<string, string>;
  currentStatementId?: string;
  timer?: NodeJS.Timeout;
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  constructor(private readonly now: () => number) {}

  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session && session.status !== 'CLOSED' && this.now() >= session.expiresAt) void this.close(session);
    return session;
  }

  all(): Session[] {
    return [...this.#sessions.values()];
  }

  /** Opens a session on a connection made by `connect`. */
  async open(id: string, keepAliveSeconds: number, target: Record<string, string>, connect: () => Promise<pg.Client>): Promise<Session> {
    const client = await connect();
    const now = this.now();
    const session: Session = {
      id, client, status: 'AVAILABLE', keepAliveSeconds, createdAt: now, expiresAt: now + keepAliveSeconds * 1000, database: target.Database ?? '', target,
    };
    this.#sessions.set(id, session);
    return session;
  }

  /** Marks the session busy with a statement. */
  claim(session: Session, statementId: string): void {
    session.status = 'BUSY';
    session.currentStatementId = statementId;
    if (session.timer) clearTimeout(session.timer);
  }

  /** The statement finished: the keep-alive starts again, capped at 24 hours from creation. */
  release(session: Session, keepAliveSeconds?: number): void {
    if (session.status === 'CLOSED') return;
    if (keepAliveSeconds !== undefined) session.keepAliveSeconds = keepAliveSeconds;
    session.status = 'AVAILABLE';
    session.currentStatementId = undefined;
    session.expiresAt = Math.min(this.now() + session.keepAliveSeconds * 1000, session.createdAt + MAX_SESSION_MS);
    const wait = session.expiresAt - this.now();
    if (wait <= 0) {
      void this.close(session);
      return;
    }
    // The timer follows the real clock; a test's shifted clock is honoured by get() instead.
    session.timer = setTimeout(() => void this.close(session), wait);
    session.timer.unref();
  }

  /** Closes the connection: its temporary tables are gone. */
  async close(session: Session): Promise<void> {
    if (session.status === 'CLOSED') return;
    session.status = 'CLOSED';
    if (session.timer) clearTimeout(session.timer);
    await session.client.end().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((session) => this.close(session)));
  }
}

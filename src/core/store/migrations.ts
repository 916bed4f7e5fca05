import type Database from "better-sqlite3";
import { UserError } from "../errors.ts";

/** Ordered schema changes; `user_version` records how many have run. Append, never edit. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    owner_email TEXT,
    ssh_keys TEXT NOT NULL,
    ssh_key_fingerprint TEXT NOT NULL,
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    hetzner_server_id INTEGER,
    ipv4 TEXT,
    ipv6 TEXT,
    status TEXT NOT NULL CHECK (status IN ('creating','installing','ready','failed','deleting','deleted')),
    failure_reason TEXT,
    created_at INTEGER NOT NULL,
    ready_at INTEGER,
    expires_at INTEGER NOT NULL,
    deleted_at INTEGER
  );
  CREATE INDEX instances_owner ON instances (owner, status);
  CREATE INDEX instances_live_expiry ON instances (expires_at) WHERE status IN ('creating','installing','ready','deleting');
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX events_instance ON events (instance_id, id);
  `,
  // Lifecycle: leases let two processes share one database without both acting on an instance;
  // reminders_sent makes each reminder once per deadline; delete_retries backs off failed deletes.
  `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE reminders_sent (
    instance_id TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (instance_id, deadline, offset_minutes)
  );
  CREATE TABLE delete_retries (
    instance_id TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    last_error TEXT
  );
  `,
  // The public half of the host key ccc gives each machine, so ccc never trusts a machine on first use.
  `
  ALTER TABLE instances ADD COLUMN host_key TEXT;
  `,
  // Slack requests already acted on (by trigger, action, view submission, event id), kept for as
  // long as a captured copy could still pass the signature's timestamp check, so a replay is not
  // acted on twice.
  `
  CREATE TABLE seen_requests (
    key TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
  );
  CREATE INDEX seen_requests_age ON seen_requests (seen_at);
  `,
  // The catalog (server types with their prices, and locations) as last fetched, so a fresh
  // process answers from it while it is fresh instead of asking Hetzner (see catalog-store.ts).
  `
  CREATE TABLE catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fetched_at INTEGER NOT NULL,
    server_types TEXT NOT NULL,
    locations TEXT NOT NULL
  );
  `,
  // Extends the machine has not heard of yet: the expiry it should show, retried with backoff until
  // it lands; `alarm` marks one stopped by a host-key mismatch, which is never retried on its own.
  `
  CREATE TABLE machine_pushes (
    instance_id TEXT PRIMARY KEY REFERENCES instances (id),
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    alarm INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX machine_pushes_due ON machine_pushes (next_at) WHERE alarm = 0;
  `,
  // People a machine's owner let in besides themselves: one key each, sent with the owner's keys.
  `
  CREATE TABLE machine_guests (
    instance_id TEXT NOT NULL REFERENCES instances (id),
    guest TEXT NOT NULL,
    ssh_key TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (instance_id, guest)
  );
  `,
  // What each person chose to be remembered: defaults for the next request, save on expiry.
  `
  CREATE TABLE user_prefs (
    user TEXT PRIMARY KEY,
    prefs TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // Keys people set as their own, and shares waiting for the guest to set one.
  `
  CREATE TABLE user_keys (
    user TEXT PRIMARY KEY,
    ssh_key TEXT NOT NULL,
    set_at INTEGER NOT NULL,
    set_by TEXT NOT NULL
  );
  CREATE TABLE pending_shares (
    instance_id TEXT NOT NULL REFERENCES instances (id),
    guest TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    PRIMARY KEY (instance_id, guest)
  );
  CREATE INDEX pending_shares_guest ON pending_shares (guest);
  `,
  // Stripe billing: each person's customer; every meter event Stripe took (or that had nothing to
  // bill), by its deterministic identifier, so a send is never repeated once recorded; and the
  // background sync's one row of backoff and alert state.
  `
  CREATE TABLE billing_customers (
    person TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE billing_sent (
    identifier TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    cents INTEGER NOT NULL,
    hour_start INTEGER NOT NULL,
    result TEXT NOT NULL,
    sent_at INTEGER NOT NULL
  );
  CREATE INDEX billing_sent_instance ON billing_sent (instance_id);
  CREATE TABLE billing_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    failures INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    alerted INTEGER NOT NULL DEFAULT 0
  );
  `,
  // The web dashboard's one-time sign-in secrets and its sessions; only SHA-256 hashes of what the
  // browser holds are kept.
  `
  CREATE TABLE web_tickets (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('link', 'oidc')),
    user TEXT,
    nonce TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE web_sessions (
    hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    flash TEXT
  );
  CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
  `,
  // Personal API tokens: only the secret's SHA-256 is kept, with a short prefix to recognise it by.
  `
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX api_tokens_user ON api_tokens (user, created_at);
  `,
  // Snapshots of saved machines, one per saved instance: the image, what a restore needs (host key,
  // architecture, disk, type) and the retention deadline with its reminder. A restored machine still
  // knows itself by the saved instance's id (its disk says so), which restored_machines remembers.
  `
  CREATE TABLE snapshots (
    instance_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('saving','available','failed','deleted')),
    image_id INTEGER,
    host_key TEXT,
    architecture TEXT NOT NULL,
    disk_gb INTEGER NOT NULL,
    image_size_gb REAL,
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    reminded_for INTEGER,
    error TEXT,
    deleted_at INTEGER
  );
  CREATE INDEX snapshots_owner ON snapshots (owner, status);
  CREATE TABLE restored_machines (
    instance_id TEXT PRIMARY KEY REFERENCES instances (id),
    machine_id TEXT NOT NULL
  );
  `,
  // Extra software: what each machine's owner asked for and, once known, how each install went; and
  // each person's last successful request, which `again` repeats.
  `
  ALTER TABLE instances ADD COLUMN packages TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE instances ADD COLUMN package_results TEXT;
  ALTER TABLE instances ADD COLUMN requested_hours REAL;
  CREATE TABLE last_requests (
    user TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // People's work volumes: one open per person and location, kept between machines. A row without a
  // hetzner_id was promised to a machine that has not made it yet.
  `
  CREATE TABLE work_volumes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hetzner_id INTEGER UNIQUE,
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    size_gb INTEGER NOT NULL,
    linux_device TEXT,
    instance_id TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    reminded INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER,
    closed_reason TEXT
  );
  CREATE UNIQUE INDEX work_volumes_open ON work_volumes (owner, location) WHERE closed_at IS NULL;
  `,
  // The warm pool: installed machines nobody owns yet, handed out by one atomic claim. `flake_hash`
  // says which project flake built the system, so an outdated one is replaced instead of handed out.
  `
  CREATE TABLE pool_members (
    id TEXT PRIMARY KEY,
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('installing','ready','claimed')),
    flake_hash TEXT NOT NULL,
    hetzner_server_id INTEGER,
    ipv4 TEXT,
    ipv6 TEXT,
    host_key TEXT,
    created_at INTEGER NOT NULL,
    ready_at INTEGER,
    claimed_at INTEGER
  );
  CREATE INDEX pool_members_ready ON pool_members (server_type, location, state, ready_at);
  `,
  // The ledger: one row per billed machine with the price it was created at, opened and closed by
  // the audit trail's events in their own transactions (see ledger-table.ts); ledger_months holds
  // each closed machine's cost per calendar month, and ledger_owner_months their sum per person, so
  // a month's total is a sum over a few hundred rows at most.
  // Budgets: a person's own monthly limit set by an admin, and the 80 % warnings already sent.
  `
  CREATE TABLE ledger (
    instance_id TEXT PRIMARY KEY REFERENCES instances (id),
    owner TEXT NOT NULL,
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    hourly TEXT NOT NULL,
    monthly TEXT NOT NULL,
    started_at INTEGER,
    ended_at INTEGER
  );
  CREATE INDEX ledger_open ON ledger (ended_at, owner) WHERE ended_at IS NULL;
  CREATE TABLE ledger_months (
    month TEXT NOT NULL,
    owner TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES ledger (instance_id),
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    hourly TEXT NOT NULL,
    monthly TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    hours INTEGER NOT NULL,
    whole_cents INTEGER NOT NULL,
    fraction INTEGER NOT NULL,
    PRIMARY KEY (month, owner, instance_id)
  ) WITHOUT ROWID;
  CREATE TABLE ledger_owner_months (
    month TEXT NOT NULL,
    owner TEXT NOT NULL,
    whole_cents INTEGER NOT NULL,
    fraction INTEGER NOT NULL,
    PRIMARY KEY (month, owner)
  ) WITHOUT ROWID;
  CREATE TABLE budgets (
    user TEXT PRIMARY KEY,
    eur TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
  );
  CREATE TABLE budget_warnings (
    scope TEXT NOT NULL,
    month TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (scope, month)
  );
  `,
  // The gross price per GB-month each volume and snapshot is billed at, copied from Hetzner's price
  // list when it was made (in the same write), so a later price change never rewrites its cost.
  `
  ALTER TABLE work_volumes ADD COLUMN price_per_gb_month TEXT;
  ALTER TABLE snapshots ADD COLUMN price_per_gb_month TEXT;
  `,
  // A pool machine's idle span, from its server's creation to its claim or discard, at its type's
  // price then: the operator's cost, shown apart in usage, never billed to whoever claims it.
  `
  CREATE TABLE pool_idle (
    member_id TEXT PRIMARY KEY,
    server_type TEXT NOT NULL,
    location TEXT NOT NULL,
    hourly TEXT NOT NULL,
    monthly TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  `,
  // What a machine starts from (issue 21): the repository and dotfiles asked for, cloned after it is ready.
  `
  CREATE TABLE instance_workspaces (
    instance_id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // A guest shared without sudo logs in to an account of their own (ccc-guest-N) rather than as claude;
  // NULL: as claude, with sudo, as every guest did before.
  `
  ALTER TABLE machine_guests ADD COLUMN account TEXT;
  ALTER TABLE pending_shares ADD COLUMN no_sudo INTEGER NOT NULL DEFAULT 0;
  `,
  // People's secrets (core/secrets): the value only sealed with a key that is not in this file, the
  // key's id beside it so a wrong key is named before anything is opened.
  `
  CREATE TABLE secrets (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sealed TEXT NOT NULL,
    key_id TEXT NOT NULL,
    set_at INTEGER NOT NULL,
    set_by TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (owner, name)
  ) WITHOUT ROWID;
  `,
  // Hibernation: what the idle check last learned about each running machine (its last active time,
  // the warning sent, keep-awake, its own idle limit), and each sleep of a machine (snapshot made,
  // server deleted, expiry paused with the lifetime left) until it wakes or stops being wakeable.
  `
  CREATE TABLE machine_activity (
    instance_id TEXT PRIMARY KEY REFERENCES instances (id),
    last_active_at INTEGER NOT NULL,
    checked_at INTEGER,
    reasons TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    warned_at INTEGER,
    keep_awake_until INTEGER,
    idle_minutes INTEGER
  );
  CREATE TABLE hibernations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL REFERENCES instances (id),
    owner TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('asleep','waking','woken','ended')),
    slept_at INTEGER NOT NULL,
    remaining_ms INTEGER NOT NULL,
    hourly TEXT,
    ended_at INTEGER
  );
  CREATE UNIQUE INDEX hibernations_current ON hibernations (instance_id) WHERE state IN ('asleep','waking');
  CREATE INDEX hibernations_owner ON hibernations (owner, slept_at);
  `,
  // A guest let in "with secrets": the owner's secrets stay on the machine while they have access
  // (0: the secrets leave while any such guest can log in, as before).
  `
  ALTER TABLE machine_guests ADD COLUMN with_secrets INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE pending_shares ADD COLUMN with_secrets INTEGER NOT NULL DEFAULT 0;
  `,
  // Secrets deliveries owed to machines that could not be reached when a secret changed: the sweep
  // sends the current set again with backoff (no values here, only that one is owed).
  `
  CREATE TABLE secrets_pushes (
    instance_id TEXT PRIMARY KEY REFERENCES instances (id),
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX secrets_pushes_due ON secrets_pushes (next_at);
  `,
  // What preparing a machine's workspace came to (the clone, devShell, dotfiles), for the status answer.
  `
  ALTER TABLE instance_workspaces ADD COLUMN outcome TEXT;
  ALTER TABLE instance_workspaces ADD COLUMN prepared_at INTEGER;
  `,
  // A hibernated machine's work volume (its size), so the wake attaches it again.
  `ALTER TABLE hibernations ADD COLUMN work_volume_gb INTEGER;`,
  // A hibernated machine's Primary IPs, kept (not deleted with its server) so the wake has the same
  // address; billed by Hetzner while kept, at `hourly` (gross € for the IPv4 and IPv6 together).
  `
  CREATE TABLE kept_addresses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL REFERENCES instances (id),
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    ipv4_id INTEGER,
    ipv4 TEXT,
    ipv6_id INTEGER,
    ipv6 TEXT,
    hourly TEXT,
    kept_at INTEGER NOT NULL,
    released_at INTEGER,
    outcome TEXT CHECK (outcome IN ('woken','deleted'))
  );
  CREATE UNIQUE INDEX kept_addresses_current ON kept_addresses (instance_id) WHERE released_at IS NULL;
  `,
  // Tasks (issue 22): Claude Code run headless on a machine, and the events it streamed, each recorded
  // once (a machine line by its number, so following again after a restart neither repeats nor loses one).
  `
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    actor TEXT NOT NULL,
    repo TEXT NOT NULL,
    repo_url TEXT NOT NULL,
    repo_name TEXT NOT NULL,
    repo_path TEXT,
    forge TEXT,
    prompt TEXT NOT NULL,
    branch TEXT NOT NULL,
    instance_id TEXT,
    status TEXT NOT NULL,
    failure TEXT,
    failure_code TEXT,
    session_id TEXT,
    turns INTEGER NOT NULL DEFAULT 0,
    max_turns INTEGER NOT NULL,
    max_minutes INTEGER NOT NULL,
    cost_usd TEXT,
    cost_eur TEXT,
    summary TEXT,
    diff_stat TEXT,
    pr_url TEXT,
    slack_channel TEXT,
    slack_thread_ts TEXT,
    slack_status_ts TEXT,
    keep INTEGER NOT NULL DEFAULT 0,
    parent_id TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX tasks_owner ON tasks (owner, created_at);
  CREATE INDEX tasks_status ON tasks (status);
  CREATE TABLE task_events (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    seq INTEGER NOT NULL,
    line INTEGER,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (task_id, seq),
    UNIQUE (task_id, line)
  );
  `,
  // A Slack channel's default repository for tasks (`/ccc channel repo acme/api`).
  `
  CREATE TABLE channel_repos (
    channel TEXT PRIMARY KEY,
    repo TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at INTEGER NOT NULL
  );
  `,
];

/** How far a database's schema is from this ccc's: `version` migrations run, `latest` known here. */
export function schemaOf(db: Database.Database): { version: number; latest: number } {
  return { version: db.pragma("user_version", { simple: true }) as number, latest: MIGRATIONS.length };
}

/** Refuses a database a newer ccc has migrated: this one would misread it. */
export function refuseNewerSchema(db: Database.Database): void {
  const { version, latest } = schemaOf(db);
  if (version > latest) {
    throw new UserError(
      `The database is at schema version ${version}, newer than this ccc (${latest}): upgrade ccc.`,
      { code: "schema_newer" },
    );
  }
}

/**
 * Refuses a database whose schema is behind this ccc's: only the bot's start and `ccc migrate` change
 * it, so a CLI of another version never migrates the database under a running bot.
 */
export function requireCurrentSchema(db: Database.Database): void {
  refuseNewerSchema(db);
  const { version, latest } = schemaOf(db);
  if (version < latest) {
    throw new UserError(
      `The database is at schema version ${version} and this ccc needs ${latest}. ` +
        "Start the upgraded bot (it migrates at start), or stop the bot and run `ccc migrate`.",
      { code: "schema_behind" },
    );
  }
}

export function migrate(db: Database.Database): void {
  refuseNewerSchema(db);
  // One write transaction at a time: a second process migrating at the same moment waits, then sees
  // the version the first one reached and skips what is done.
  while (schemaOf(db).version < MIGRATIONS.length) {
    db.transaction(() => {
      const current = schemaOf(db).version;
      if (current >= MIGRATIONS.length) return;
      db.exec(MIGRATIONS[current] as string);
      db.pragma(`user_version = ${current + 1}`);
    }).immediate();
  }
}

import type Database from "better-sqlite3";
import type { SavedCatalog, SavedLists } from "../cloud/catalog.ts";
import type { CloudLocation, CloudServerType } from "../ports/cloud.ts";

interface CatalogRow {
  fetched_at: number;
  server_types: string;
  locations: string;
}

/** The catalog's one row (migration 3) over the instance store's connection, as JSON. */
export class CatalogStore implements SavedCatalog {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      read: db.prepare<[], CatalogRow>(
        "SELECT fetched_at, server_types, locations FROM catalog WHERE id = 1",
      ),
      write: db.prepare(
        `INSERT INTO catalog (id, fetched_at, server_types, locations) VALUES (1, @at, @types, @locations)
         ON CONFLICT (id) DO UPDATE SET fetched_at = excluded.fetched_at,
           server_types = excluded.server_types, locations = excluded.locations`,
      ),
    };
  }

  read(): SavedLists | null {
    const row = this.statements.read.get();
    if (!row) return null;
    return {
      at: row.fetched_at,
      types: JSON.parse(row.server_types) as CloudServerType[],
      locations: JSON.parse(row.locations) as CloudLocation[],
    };
  }

  write(lists: SavedLists): void {
    this.statements.write.run({
      at: lists.at,
      types: JSON.stringify(lists.types),
      locations: JSON.stringify(lists.locations),
    });
  }
}

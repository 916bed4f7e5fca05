import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { deprovision, deprovisionText } from "../commands/deprovision.ts";
import { extend, extendText } from "../commands/extend.ts";
import { instanceJson } from "../commands/instance-view.ts";
import { list, listText } from "../commands/list.ts";
import { progressText, provision, provisionText } from "../commands/provision.ts";
import { status, statusText } from "../commands/status.ts";
import { offerJson, types, typesText } from "../commands/types.ts";
import { UserError } from "../core/errors.ts";
import { MAX_SSH_KEY_INPUT_BYTES } from "../core/ssh-key/ssh-key.ts";
import type { CliIo } from "./io.ts";
import type { CliKit } from "./kit.ts";

/** `provision`, `deprovision`, `status`, `list`, `extend`, `types`. */
export function registerInstanceCommands(program: Command, kit: CliKit): void {
  program
    .command("provision")
    .description("create a machine, install NixOS with Claude Code on it, and print how to connect")
    .requiredOption(
      "--ssh-key <file|-|key>",
      "the user's SSH public key: a file, - for standard input, or the key itself",
    )
    .option("--user <name>", "who the machine is for (a Slack user id or a name; default: you)")
    .option("--email <address>", "the user's email, for the record")
    .option("--hours <n>", "lifetime in hours (default CCC_DEFAULT_HOURS)")
    .option("--type <name>", "server type (see `ccc types`; default CCC_DEFAULT_SERVER_TYPE)")
    .option("--location <name>", "location (default CCC_DEFAULT_LOCATION)")
    .addOption(kit.jsonOption())
    .addHelpText(
      "after",
      "\nExamples:\n  ccc provision --user alice --ssh-key ~/.ssh/id_ed25519.pub --hours 8\n  cat key.pub | ccc provision --ssh-key - --type cax11 --location hel1 --json",
    )
    .action(
      kit.action(
        { cloud: true, installer: true },
        async ({ ctx, config }, opts: Record<string, string | boolean | undefined>) => {
          const instance = await provision(
            ctx,
            {
              owner: (opts.user as string | undefined) ?? config.operator.name,
              ownerEmail: opts.email as string | undefined,
              sshKey: readKeyArgument(String(opts.sshKey), kit.io, config.operator.home),
              hours: opts.hours as string | undefined,
              serverType: opts.type as string | undefined,
              location: opts.location as string | undefined,
            },
            (progress) => {
              if (!kit.json) kit.io.stderr(`${progressText(progress)}\n`);
            },
          );
          kit.out(provisionText(instance, ctx.deps.clock.now()), instanceJson(instance));
        },
      ),
    );

  program
    .command("deprovision <id>")
    .alias("delete")
    .description("delete a machine now")
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExample:\n  ccc deprovision ccc-7f3k2q")
    .action(
      kit.action({ cloud: true }, async ({ ctx }, id: string) => {
        const result = await deprovision(ctx, { id });
        kit.out(deprovisionText(result), { ...instanceJson(result.instance), changed: result.changed });
      }),
    );

  program
    .command("status <id>")
    .description("show one machine and the time it has left")
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExample:\n  ccc status ccc-7f3k2q --json")
    .action(
      kit.action({ cloud: false }, ({ ctx }, id: string) => {
        const result = status(ctx, { id });
        kit.out(statusText(result, ctx.deps.clock.now()), {
          ...instanceJson(result.instance),
          timeLeftMs: result.timeLeftMs,
        });
      }),
    );

  program
    .command("list")
    .description("list live machines: one user's (default: yours), or everyone's with --all")
    .option("--all", "every user's machines")
    .option("--user <name>", "this user's machines")
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExamples:\n  ccc list --all\n  ccc list --user U012AB3CD --json")
    .action(
      kit.action({ cloud: false }, ({ ctx }, opts: { all?: boolean; user?: string }) => {
        const asked = opts.user ? { ...ctx, actor: { id: opts.user, isAdmin: true } } : ctx;
        const result = list(asked, { all: Boolean(opts.all) });
        kit.out(listText(result, ctx.deps.clock.now()), result.instances.map(instanceJson));
      }),
    );

  program
    .command("extend <id> <hours>")
    .description(
      "give a machine more time (within CCC_MAX_HOURS per request and CCC_MAX_LIFETIME_HOURS in all)",
    )
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExample:\n  ccc extend ccc-7f3k2q 2")
    .action(
      kit.action({ cloud: true }, async ({ ctx }, id: string, hours: string) => {
        const instance = await extend(ctx, { id, hours });
        kit.out(extendText(instance, ctx.deps.clock.now()), instanceJson(instance));
      }),
    );

  program
    .command("types")
    .description("server types on offer, with cores, RAM, disk, architecture and prices (incl. VAT)")
    .option("--location <name>", "only this location")
    .addOption(kit.jsonOption())
    .addHelpText("after", "\nExample:\n  ccc types --location fsn1")
    .action(
      kit.action({ cloud: true }, async ({ ctx }, opts: { location?: string }) => {
        const offers = await types(ctx, { location: opts.location });
        kit.out(typesText(offers), offers.map(offerJson));
      }),
    );
}

/** `--ssh-key` takes a file, `-` for standard input, or the key text itself. */
function readKeyArgument(value: string, io: CliIo, home: string | undefined): string {
  if (value === "-") return io.readStdin();
  const path = value.startsWith("~/") ? `${home ?? ""}${value.slice(1)}` : value;
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw keyArgumentError(value, "it is a directory");
    size = stat.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    // Not a file: key text has a space between its type and its data (a file name rarely does).
    if (/\s/.test(value.trim())) return value;
    throw keyArgumentError(value, "there is no such file");
  }
  if (size > MAX_SSH_KEY_INPUT_BYTES)
    throw keyArgumentError(value, "it is larger than a public key can be (16 KB)");
  return readFileSync(path, "utf8");
}

function keyArgumentError(value: string, why: string): UserError {
  return new UserError(
    `--ssh-key ${value}: ${why}. Give a .pub file, - for standard input, or the key itself.`,
    {
      field: "sshKey",
    },
  );
}

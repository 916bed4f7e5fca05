import type { Viewer } from "../commands/command.ts";
import type { CommandContext } from "../commands/context.ts";
import { deprovisionCommand } from "../commands/deprovision.ts";
import { extendCommand } from "../commands/extend.ts";
import { provisionCommand } from "../commands/provision.ts";
import { shareCommand } from "../commands/share.ts";
import { unshareCommand } from "../commands/unshare.ts";
import { UserError } from "../core/errors.ts";
import { flashSession } from "../core/identity/sign-in.ts";
import { normalizeInstanceId } from "../core/instances/instance-id.ts";
import { splitPackageNames } from "../core/software/package-names.ts";
import { errorText } from "../doors/error-text.ts";
import { followWork } from "../doors/follow-work.ts";
import { HttpError } from "../http/http-error.ts";
import { refusalStatus } from "../http/refusal-status.ts";
import type { RouteRequest } from "../http/server.ts";
import { dashboardData, type FormValues } from "./dashboard-data.ts";
import { dashboardPage } from "./dashboard-page.ts";
import { redirect, sendPage } from "./respond.ts";
import { actingAs, checkedPost, type SignedIn } from "./session.ts";
import type { WebContext } from "./web-context.ts";

type Action = (ctx: WebContext, who: SignedIn, form: URLSearchParams) => Promise<string>;

/**
 * A dashboard button or form: CSRF-checked, then the same verb Slack and the CLI run, as the signed-in
 * person. Done: back to `/` with what happened. Refused: the dashboard again, saying why, with what
 * was typed still in the form.
 */
export function handleAction(ctx: WebContext, name: string, action: Action) {
  return async (request: RouteRequest): Promise<void> => {
    const { who, form } = await checkedPost(ctx, request);
    try {
      const done = await action(ctx, who, form);
      flashSession(ctx.bot.deps, who.token, done);
      redirect(request.res, "/");
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const text = errorText(error, ctx.bot.log, `web ${name}`);
      const typed: FormValues = name === "provision" ? formValues(form) : {};
      const field = error instanceof UserError ? error.field : undefined;
      const page = dashboardPage(await dashboardData(ctx, who, { kind: "error", text, field }, typed));
      sendPage(request.res, statusOf(error), page);
    }
  };
}

/** A refusal's status from the one map the API uses too; a failure while working is the cloud's (502). */
function statusOf(error: unknown): number {
  return refusalStatus(error) ?? 502;
}

function formValues(form: URLSearchParams): FormValues {
  return {
    sshKey: form.get("sshKey") ?? undefined,
    location: form.get("location") ?? undefined,
    serverType: form.get("serverType") ?? undefined,
    hours: form.get("hours") ?? undefined,
    packages: packagesOf(form),
    keepWork: form.get("keepWork") === "true",
    repo: form.get("repo") ?? undefined,
  };
}

/** The ticked boxes and the typed names together, as one list for the verb to check. */
function packagesOf(form: URLSearchParams): string[] {
  return splitPackageNames([...form.getAll("packages"), form.get("packagesOther") ?? ""]);
}

/** Records the request through the provision verb's schema and rules, then builds it in the background. */
export const provisionAction: Action = async (ctx, who, form) => {
  const user = who.session.user;
  const ccc = actingAs(ctx, who);
  const started = await provisionCommand.start(ccc, {
    owner: user,
    sshKey: form.get("sshKey") ?? "",
    hours: form.get("hours") ?? undefined,
    serverType: form.get("serverType") ?? undefined,
    location: form.get("location") ?? undefined,
    packages: packagesOf(form),
    keepWork: form.get("keepWork") === "true",
    repo: form.get("repo") ?? undefined,
  });
  // The same flow as Slack's form: a DM that follows the build, then the ready card or what failed.
  followWork(ctx.bot, ccc, "provision", started);
  return `${started.accepted.subject} is being created; it takes about 5 minutes and this page follows it.`;
};

/** A verb that acts on one machine, as the dashboard runs it. */
interface MachineVerb {
  execute(ctx: CommandContext, raw: unknown): Promise<{ text(viewer: Viewer): string }>;
}

/** Extend, delete, share and unshare run one after another per machine, as Slack's buttons do. */
function onMachine(verb: MachineVerb, raw: (form: URLSearchParams) => unknown): Action {
  return async (ctx, who, form) => {
    const id = form.get("id") ?? "";
    const ccc = actingAs(ctx, who);
    const shown = await ctx.bot.gate.serial(normalizeInstanceId(id), () => verb.execute(ccc, raw(form)));
    return shown.text({
      now: ctx.bot.deps.clock.now(),
      actor: ccc.actor,
      sshPort: ctx.bot.deps.timing.sshPort,
    });
  };
}

export const extendAction = onMachine(extendCommand, (form) => ({
  id: form.get("id"),
  hours: form.get("hours"),
}));
export const deleteAction = onMachine(deprovisionCommand, (form) => ({ id: form.get("id") }));
/** The answer names what the guest can do on the machine, as in every other door. */
export const shareAction = onMachine(shareCommand, (form) => ({
  id: form.get("id"),
  with: form.get("with") ?? "",
  sshKey: form.get("sshKey")?.trim() ? (form.get("sshKey") ?? undefined) : undefined,
  noSudo: form.get("noSudo") === "true",
  withSecrets: form.get("withSecrets") === "true",
}));
export const unshareAction = onMachine(unshareCommand, (form) => ({
  id: form.get("id"),
  with: form.get("with") ?? "",
}));

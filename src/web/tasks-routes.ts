import { tasksCommand } from "../commands/tasks.ts";
import { isRefusal } from "../core/errors.ts";
import { isTaskActive, type Task } from "../core/tasks/task.ts";
import { commandContext } from "../doors/door-context.ts";
import { HttpError } from "../http/http-error.ts";
import type { Route, RouteRequest } from "../http/server.ts";
import { redirect, SECURITY_HEADERS, sendPage } from "./respond.ts";
import { type SignedIn, signedIn } from "./session.ts";
import { TASKS_PATH, taskPage, tasksPage, transcriptLines } from "./tasks-page.ts";
import type { WebContext } from "./web-context.ts";

/**
 * The task list (yours; an admin's: everyone's), one task with its transcript, and the transcript's new
 * events as JSON for the page's script to poll. What each person may see is the tasks verb's rule.
 */
export function tasksRoutes(ctx: WebContext): Route[] {
  const who = async (request: RouteRequest): Promise<SignedIn | null> => {
    const found = await signedIn(ctx, request);
    if (!found || "status" in found) {
      redirect(request.res, "/");
      return null;
    }
    return found;
  };
  const actorOf = (w: SignedIn) => commandContext(ctx.bot, w.session.user);
  /** The task through the verb (owner or admin), with its events after `after`; null when refused. */
  const show = async (w: SignedIn, id: string, after: number) => {
    const c = actorOf(w);
    try {
      await tasksCommand.execute(c, { action: "show", id, after: 0 });
    } catch (error) {
      if (isRefusal(error)) return null;
      throw error;
    }
    const task = ctx.bot.deps.store.tasks.get(id.trim().toLowerCase()) as Task;
    return { task, events: ctx.bot.deps.store.tasks.events(task.id, after, 2_000), isAdmin: c.actor.isAdmin };
  };
  return [
    {
      method: "GET",
      path: TASKS_PATH,
      handle: async (request) => {
        const w = await who(request);
        if (!w) return;
        const c = actorOf(w);
        const tasks = c.actor.isAdmin
          ? ctx.bot.deps.store.tasks.list(null, 200)
          : ctx.bot.deps.store.tasks.list(w.session.user, 200);
        sendPage(request.res, 200, tasksPage({ user: w.session.user, isAdmin: c.actor.isAdmin, tasks }));
      },
    },
    {
      method: "GET",
      path: `${TASKS_PATH}/:id`,
      handle: async (request) => {
        const w = await who(request);
        if (!w) return;
        const shown = await show(w, request.params.id ?? "", 0);
        if (!shown) throw new HttpError(404, "no such task");
        sendPage(request.res, 200, taskPage({ user: w.session.user, ...shown }));
      },
    },
    {
      method: "GET",
      path: `${TASKS_PATH}/:id/events`,
      handle: async (request) => {
        const found = await signedIn(ctx, request);
        if (!found || "status" in found) throw new HttpError(401, "sign in again");
        const after = Number(new URL(request.req.url ?? "", "http://x").searchParams.get("after") ?? "0");
        if (!Number.isInteger(after) || after < 0) throw new HttpError(400, "after must be an event number");
        const shown = await show(found, request.params.id ?? "", after);
        if (!shown) throw new HttpError(404, "no such task");
        const { task, events } = shown;
        const body = JSON.stringify({
          status: task.status,
          active: isTaskActive(task.status),
          turns: task.turns,
          failure: task.failure,
          prUrl: task.prUrl,
          after: events.at(-1)?.seq ?? after,
          lines: events.flatMap((e) => transcriptLines(e, task.createdAt)),
        });
        request.res.writeHead(200, {
          ...SECURITY_HEADERS,
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
        });
        request.res.end(body);
      },
    },
  ];
}

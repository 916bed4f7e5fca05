// What a GitLab task's end looks like where people read it: "merge request" in the Slack status message and
// in the CLI's text; GitHub's (and the default) stays "pull request".
import { describe, expect, it } from "vitest";
import type { Task } from "../../src/core/tasks/task.ts";
import {
  type TaskStatusView,
  taskStatusMessage,
  taskStatusView,
} from "../../src/render/block-kit/task-blocks.ts";
import { emptyActivity } from "../../src/render/task-activity.ts";
import { taskText } from "../../src/render/task-render.ts";

const done: TaskStatusView = {
  taskId: "tsk-abcd2345",
  owner: "U0ALICE",
  repo: "https://gitlab.example/group/app",
  phase: "done",
  step: "done",
  tool: null,
  files: ["CHANGELOG.md"],
  turns: 3,
  elapsedMs: 60_000,
  instanceId: "ccc-abc234",
  prUrl: "https://gitlab.example/group/app/-/merge_requests/7",
  changeRequest: "merge request",
};

const task = (forge: Task["forge"], status: Task["status"], prUrl: string | null): Task => ({
  id: "tsk-abcd2345",
  owner: "opal",
  actor: "opal",
  repo: "group/app",
  repoUrl: "",
  repoName: "app",
  repoPath: "group/app",
  forge,
  prompt: "x",
  branch: "ccc/tsk-abcd2345",
  instanceId: null,
  status,
  failure: null,
  failureCode: null,
  sessionId: null,
  turns: 1,
  maxTurns: 5,
  maxMinutes: 5,
  costUsd: null,
  costEur: null,
  summary: null,
  diffStat: null,
  prUrl,
  slack: null,
  keep: false,
  parentId: null,
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
});

describe("a change request's name", () => {
  it("Slack: the done and no-change headlines say merge request for GitLab, pull request otherwise", () => {
    const shown = JSON.stringify(taskStatusMessage(done).blocks);
    expect(shown).toContain("<https://gitlab.example/group/app/-/merge_requests/7|merge request>");
    expect(shown).not.toContain("pull request");
    const github = JSON.stringify(taskStatusMessage({ ...done, changeRequest: undefined }).blocks);
    expect(github).toContain("|pull request>");
    const none = JSON.stringify(taskStatusMessage({ ...done, phase: "no-change", prUrl: null }).blocks);
    expect(none).toContain("so there is no merge request.");
  });

  it("Slack: a task pushing (before ccc's own step is read) says which it is opening", () => {
    const pushing = (forge: Task["forge"]) =>
      taskStatusView(task(forge, "pushing", null), emptyActivity(), true, new Date(0)).step;
    expect(pushing("gitlab")).toBe("pushing the branch and opening the merge request");
    expect(pushing("github")).toBe("pushing the branch and opening the pull request");
  });

  it("the CLI: Merge request: for GitLab, Pull request: for GitHub", () => {
    const url = "https://gitlab.example/group/app/-/merge_requests/7";
    expect(taskText(task("gitlab", "succeeded", url))).toContain(`Merge request: ${url}`);
    expect(taskText(task("gitlab", "no_change", null))).toContain("so there is no merge request.");
    expect(taskText(task("github", "succeeded", "https://g/p/1"))).toContain("Pull request: https://g/p/1");
  });
});

// Slack's forms (modals) in the demo's Slack panel: the bot opens one with `views.open` (recorded by the
// Slack stand-in) for a trigger the panel sent; the panel shows its inputs as an HTML form, and sends the
// filled-in form back as Slack's `view_submission`, signed, to the bot's receiver.
import { randomBytes } from "node:crypto";
import { type Html, html } from "../src/web/html.ts";
import type { FakeSlack } from "../stand-ins/fake-slack.ts";
import { SLACK_PANEL_PATH } from "./slack-panel-path.ts";

interface Option {
  text?: { text?: string };
  value?: string;
}

interface Element {
  type?: string;
  action_id?: string;
  initial_value?: string;
  initial_option?: Option;
  initial_options?: Option[];
  options?: Option[];
  option_groups?: { options?: Option[] }[];
  multiline?: boolean;
  placeholder?: { text?: string };
}

interface ViewBlock {
  type?: string;
  block_id?: string;
  label?: { text?: string };
  text?: { text?: string };
  hint?: { text?: string };
  optional?: boolean;
  element?: Element;
  elements?: { text?: string }[];
}

interface View {
  type?: string;
  callback_id?: string;
  private_metadata?: string;
  title?: { text?: string };
  submit?: { text?: string };
  blocks?: ViewBlock[];
}

export interface OpenModal {
  key: string;
  user: string;
  view: View;
  /** What the bot answered about the last submission, by block. */
  errors: Record<string, string>;
}

/** The modals the bot opened for the panel's triggers and nobody submitted or closed yet. */
export class OpenModals {
  private readonly triggers = new Map<string, string>();
  private readonly closed = new Set<string>();
  private readonly errors = new Map<string, Record<string, string>>();

  constructor(private readonly slack: FakeSlack) {}

  /** A new trigger id for a request sent as `user`. */
  trigger(user: string): string {
    const id = `trigger-${randomBytes(8).toString("hex")}`;
    this.triggers.set(id, user);
    return id;
  }

  list(): OpenModal[] {
    return this.slack.calls("views.open").flatMap((call, n) => {
      const user = this.triggers.get(String(call.body.trigger_id ?? ""));
      const key = `modal-${n}`;
      if (!user || this.closed.has(key)) return [];
      const view = (call.body.view ?? {}) as View;
      const errors = this.errors.get(key) ?? {};
      return [{ key, user, view, errors }];
    });
  }

  find(key: string): OpenModal | undefined {
    return this.list().find((m) => m.key === key);
  }

  /** What the bot said was wrong with the last submission, shown on the form. */
  setErrors(key: string, errors: Record<string, string>): void {
    this.errors.set(key, errors);
  }

  close(key: string): void {
    this.closed.add(key);
  }
}

/** Slack's `view_submission` for the form as filled in. */
export function viewSubmission(
  options: { teamId: string },
  modal: OpenModal,
  form: URLSearchParams,
  trigger: string,
): Record<string, unknown> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of inputs(modal.view)) {
    const element = block.element ?? {};
    const name = fieldName(block);
    const label = (value: string) => ({ text: { type: "plain_text", text: value }, value });
    const given = form.getAll(name).filter((v) => v !== "");
    const state: Record<string, unknown> = { type: element.type };
    if (element.type === "plain_text_input") state.value = form.get(name) ?? "";
    else if (element.type === "static_select" || element.type === "radio_buttons") {
      if (given[0] !== undefined) state.selected_option = label(given[0]);
    } else state.selected_options = given.map(label);
    values[block.block_id ?? ""] = { [element.action_id ?? ""]: state };
  }
  return {
    type: "view_submission",
    team: { id: options.teamId, domain: "demo" },
    user: { id: modal.user, username: modal.user.toLowerCase(), team_id: options.teamId },
    api_app_id: "A0CCCDEMO",
    trigger_id: trigger,
    view: {
      id: `V${modal.key}`,
      type: "modal",
      callback_id: modal.view.callback_id,
      hash: `hash-${modal.key}`,
      private_metadata: modal.view.private_metadata ?? "",
      state: { values },
    },
    response_urls: [],
  };
}

export function modalHtml(modal: OpenModal, who: string, formToken: string): Html {
  const { view } = modal;
  return html`<section class="demo-modal"><h2>${view.title?.text ?? "Form"} <small>(for ${who})</small></h2>
<form method="post" action="${SLACK_PANEL_PATH}/submit">
<input type="hidden" name="form" value="${formToken}"><input type="hidden" name="modal" value="${modal.key}">
${(view.blocks ?? []).map((block) => blockHtml(block, modal.errors))}
<button type="submit">${view.submit?.text ?? "Submit"}</button>
</form>
<form method="post" action="${SLACK_PANEL_PATH}/cancel">
<input type="hidden" name="form" value="${formToken}"><input type="hidden" name="modal" value="${modal.key}">
<button type="submit" class="link">Cancel</button></form></section>`;
}

function blockHtml(block: ViewBlock, errors: Record<string, string>): Html {
  if (block.type === "section") return html`<p>${block.text?.text ?? ""}</p>`;
  if (block.type === "context")
    return html`<p><small>${(block.elements ?? []).map((e) => e.text ?? "")}</small></p>`;
  if (block.type !== "input") return html``;
  const element = block.element ?? {};
  const name = fieldName(block);
  const error = errors[block.block_id ?? ""];
  const options = [
    ...(element.options ?? []),
    ...(element.option_groups ?? []).flatMap((g) => g.options ?? []),
  ];
  const chosen = new Set(
    [element.initial_option, ...(element.initial_options ?? [])].flatMap((o) => (o?.value ? [o.value] : [])),
  );
  const field =
    element.type === "plain_text_input"
      ? html`<textarea name="${name}" rows="${element.multiline ? 4 : 1}" placeholder="${element.placeholder?.text ?? ""}">${element.initial_value ?? ""}</textarea>`
      : element.type === "checkboxes"
        ? options.map(
            (o) =>
              html`<label><input type="checkbox" name="${name}" value="${o.value ?? ""}"${chosen.has(o.value ?? "") ? html` checked` : ""}> ${o.text?.text ?? ""}</label>`,
          )
        : html`<select name="${name}"${element.type === "multi_static_select" ? html` multiple` : ""}>${
            element.type === "static_select" && chosen.size === 0 ? html`<option value=""></option>` : ""
          }${options.map(
            (o) =>
              html`<option value="${o.value ?? ""}"${chosen.has(o.value ?? "") ? html` selected` : ""}>${o.text?.text ?? ""}</option>`,
          )}</select>`;
  return html`<div class="field"><label>${block.label?.text ?? ""}${block.optional ? " (optional)" : ""}</label>
${field}${block.hint?.text ? html`<small>${block.hint.text}</small>` : ""}${error ? html`<p class="notice error" role="alert">${error}</p>` : ""}</div>`;
}

function inputs(view: View): ViewBlock[] {
  return (view.blocks ?? []).filter((b) => b.type === "input" && b.element);
}

function fieldName(block: ViewBlock): string {
  return `f:${block.block_id ?? ""}`;
}

/** Where the demo serves its Slack panel. */
export const SLACK_PANEL_PATH = "/demo/slack";

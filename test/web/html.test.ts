import { describe, expect, it } from "vitest";
import { html } from "../../src/web/html.ts";

describe("the html tag", () => {
  it("escapes every interpolated value, in text and in attributes, and joins lists", () => {
    const comment = `"><script>alert('x')</script>&`;
    const out = html`<p title="${comment}">${comment}</p><ul>${["<a>", "b"].map((x) => html`<li>${x}</li>`)}</ul>`;
    expect(out.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>' +
        "<ul><li>&lt;a&gt;</li><li>b</li></ul>",
    );
  });

  it("leaves out null, undefined and false, and passes markup made by html unchanged", () => {
    expect(html`${null}${undefined}${false}${0}${html`<b>${"<i>"}</b>`}`.value).toBe("0<b>&lt;i&gt;</b>");
  });
});

import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('escapes HTML before anything else', () => {
    const html = renderMarkdown('<script>alert(1)</script> and <b onclick="x">b</b>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b ');
    expect(html).toContain('&lt;script&gt;');
  });
  it('renders paragraphs, bold, italic, code, headings and lists', () => {
    const html = renderMarkdown('# Title\n\nA **client** hands it to *SMTP*, then `RETR 1`.\nSame paragraph.\n\n- one\n- two\n\n1. first\n2. second');
    expect(html).toBe(
      '<h3>Title</h3>\n<p>A <strong>client</strong> hands it to <em>SMTP</em>, then <code>RETR 1</code>. Same paragraph.</p>\n<ul><li>one</li><li>two</li></ul>\n<ol><li>first</li><li>second</li></ol>',
    );
  });
  it('keeps marks out of code and only http links', () => {
    expect(renderMarkdown('`**not bold**`')).toBe('<p><code>**not bold**</code></p>');
    expect(renderMarkdown('[rfc](https://www.rfc-editor.org/rfc/rfc1939)')).toContain('href="https://www.rfc-editor.org/rfc/rfc1939"');
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('href');
  });
  it('fenced code keeps its lines', () => {
    expect(renderMarkdown('```\nUSER student\nPASS <secret>\n```')).toBe('<pre><code>USER student\nPASS &lt;secret&gt;</code></pre>');
  });
});

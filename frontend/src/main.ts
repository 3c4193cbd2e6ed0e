import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import './panels.css';
import './mail.css';

declare global {
  interface Window {
    /** Set by the Go side when MAILSCOPE_TIMING=1 (main.go, timingMiddleware). */
    __mailscopeTiming?: boolean;
  }
}

/** Reports a start-up milestone to Go when MAILSCOPE_TIMING=1; else nothing. */
function mark(milestone: string) {
  if (window.__mailscopeTiming) void fetch(`/__timing/${encodeURIComponent(milestone)}`).catch(() => {});
}

mark('script running');
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// index.html's static shell stands in until the app is mounted: it gets
// one frame on screen first (mounting and laying out the app takes a while
// on a cold WebKit), then goes in the same task as the mount, so no frame
// shows both or neither.
function start(target: HTMLElement) {
  const shell = target.querySelector(':scope > .shell');
  mount(App, { target });
  shell?.remove();
  mark('app mounted');
  // Two frames on: the frame with the app in it has been painted.
  requestAnimationFrame(() => requestAnimationFrame(() => mark('app painted')));
}

if (target.querySelector(':scope > .shell')) {
  // After the next frame; or after 100 ms, should frames be held back (a
  // window that starts hidden gets no animation frames).
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    start(target);
  };
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 100);
} else start(target);

// A lesson some other part of the app asks the Lessons mode to open (the
// first-run welcome's "Start lesson 1"). The Lessons mode reads it, opens
// the lesson and sets it back to null.

import { writable } from 'svelte/store';

export const requestedLesson = writable<string | null>(null);

// A lesson someone asked to open (the first-run welcome offers lesson 1):
// the Lessons mode opens it and sets this back to null.

import { writable } from 'svelte/store';

export const requestedLesson = writable<string | null>(null);

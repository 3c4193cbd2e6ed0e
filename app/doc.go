// Package app is the layer that Wails binds to the window: a few service
// structs whose exported methods the frontend calls as
// window.go.app.<Service>.<Method>, the DTOs they return, and the names of the
// events they emit.
//
// It stays thin: services translate between the frontend and the simulation
// (sim/…) and hold no protocol logic. DTOs have camelCase JSON tags and are
// the only types that cross to JavaScript, so a change inside sim/ never
// silently changes what the UI receives.
//
// The package does not import Wails. Services reach the Wails runtime only
// through the Runtime interface, which main.go fills with the real runtime:
// calling runtime.* outside a running app exits the process, so tests pass a
// recorder instead and need no window.
package app

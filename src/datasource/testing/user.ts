import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';

/**
 * userEvent without its pointer-events check: before every click and keystroke it
 * calls getComputedStyle on the target and each ancestor, and jsdom computes that over
 * every rule of Grafana's global stylesheet, about a second per action (minutes per
 * editor test file on a busy 2-core machine). Components under test never rely on
 * pointer-events: none, so nothing is lost; the events and their order are unchanged.
 */
export const user = userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

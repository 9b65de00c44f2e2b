/** What the page and the training worker agree on for each view of the playground. */
export interface View {
  /** The `data-testid` is `view-${name}`. */
  name: string;
  title: string;
  /** Draws `data` (what the worker's `inspect` answer holds for this view) into `el`, replacing what was there. */
  draw(el: HTMLElement, data: unknown): void;
}
/** Posted to the worker to ask for a view's data; the worker answers { type: 'inspect', name, data } or { type: 'error', message }. */
export interface InspectRequest { type: 'inspect'; name: string; params: Record<string, unknown> }

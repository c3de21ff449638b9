/**
 * An abort signal that counts its live abort listeners, so a test can prove that every race or
 * link removes the listener it added.
 *
 * @module
 */

/** A controller whose signal counts `abort` listeners added and not yet removed. */
export function countingSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: unknown) => {
    if (type === "abort") live++;
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener) => {
    if (type === "abort") live--;
    remove(type, listener);
  }) as typeof signal.removeEventListener;
  return { controller, listeners: () => live };
}

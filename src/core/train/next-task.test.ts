// nextTask resolves in a later task: messages already waiting are handled first, and microtasks
// queued before it run before it resolves.
import { describe, expect, it } from 'vitest';
import { nextTask } from './next-task';

describe('nextTask', () => {
  it('lets a message that was already waiting run before it resolves', async () => {
    const order: string[] = [];
    const ch = new MessageChannel();
    ch.port1.onmessage = () => order.push('message');
    ch.port2.postMessage(null);
    void Promise.resolve().then(() => order.push('microtask'));
    await nextTask();
    order.push('after');
    ch.port1.close();
    expect(order).toEqual(['microtask', 'message', 'after']);
  });
});

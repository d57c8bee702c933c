// Sorts a failure from the training worker into what the user can do about it: out of memory
// and a lost GPU device can continue from the last checkpoint (on another backend if needed).
import { errorText } from '../../core/error-text';
export type FailureKind = 'oom' | 'device-lost' | 'other';

export function classifyError(e: unknown): { message: string; kind: FailureKind } {
  const message = errorText(e);
  if (/out of memory|OOM|failed to allocate|allocation failed|Array buffer allocation|too large for the implementation/i.test(message)) return { message, kind: 'oom' };
  if (/device (was |is )?lost|DeviceLost|context (was )?lost|Instance reference no longer exists/i.test(message)) return { message, kind: 'device-lost' };
  return { message, kind: 'other' };
}

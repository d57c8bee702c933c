// Failures from tfjs backends are sorted into the kinds the UI offers recovery for.
import { describe, expect, it } from 'vitest';
import { classifyError } from './classify-failure';

describe('classifyError', () => {
  it('recognises memory exhaustion, lost devices and everything else', () => {
    expect(classifyError(new Error('Failed to allocate 100 bytes: out of memory')).kind).toBe('oom');
    expect(classifyError(new RangeError('Array buffer allocation failed')).kind).toBe('oom');
    expect(classifyError(new Error("Failed to execute 'createBuffer' on 'GPUDevice': createBuffer failed, size (602112) is too large for the implementation when mappedAtCreation == true")).kind).toBe('oom');
    expect(classifyError(new Error('GPU device was lost: destroyed')).kind).toBe('device-lost');
    expect(classifyError(new Error("Failed to execute 'mapAsync' on 'GPUBuffer': A valid external Instance reference no longer exists.")).kind).toBe('device-lost');
    expect(classifyError(new Error('WebGL context lost')).kind).toBe('device-lost');
    expect(classifyError('No training images left').kind).toBe('other');
    expect(classifyError(new Error('x')).message).toBe('x');
  });
});

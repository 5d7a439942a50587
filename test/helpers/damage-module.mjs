// Preloaded with `node --import` in tests: makes the CommonJS module named by
// STACKANETES_DAMAGED_MODULE throw when it is required, as a damaged installation would.
import Module from 'node:module';

const target = process.env.STACKANETES_DAMAGED_MODULE;
const load = Module._load;
Module._load = function loadOrFail(request, ...rest) {
  if (request === target) throw new Error('damaged module');
  return load.call(this, request, ...rest);
};

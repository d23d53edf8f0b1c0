/** The Store contract on the embedded store: the reference the Redis store is held to. */
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { storeContract } from './store-contract.js';

storeContract('MemoryStore', async () => new MemoryStore(), { runs: 100, timerOps: 200 });

// Entry point of the bundled `runnel` binary.
import { run } from './main.js';

run();

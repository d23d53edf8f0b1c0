/** The entry: the page (app.ts) with its styles. */
import './style.css';
import { start } from './app.js';

start();

/** Services that rethrow what the defaults swallow: a test sees every internal error. */
import { createRunnelServices, DefaultCompletionProvider, DefaultHoverProvider, DefaultCodeActionProvider, type RunnelServices } from '../../compiler/services/index.js';

class StrictCompletion extends DefaultCompletionProvider {
  protected override failed(error: unknown): void {
    throw error;
  }
}
class StrictHover extends DefaultHoverProvider {
  protected override failed(error: unknown): void {
    throw error;
  }
}
class StrictCodeActions extends DefaultCodeActionProvider {
  protected override failed(error: unknown): void {
    throw error;
  }
}

export function strictServices(): RunnelServices {
  return createRunnelServices({
    completion: (s) => new StrictCompletion(s),
    hover: (s) => new StrictHover(s),
    codeActions: (s) => new StrictCodeActions(s),
  });
}

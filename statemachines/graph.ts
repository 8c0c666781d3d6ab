/** A state as the console draws it. */
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

/**
 * What the console draws of a definition: its states, their types and where each goes next (Next, a Choice's
 * branches and default, a Catch's handlers). Comments, parameters and retries stay in the ASL file: the front
 * bundle carries the graph, not the program.
 */
export function graphOf(definition: object): object {
  const machine = definition as { StartAt: string; States: Record<string, State> };
  const states = Object.entries(machine.States).map(([name, state]) => {
    const shape: State = { Type: state.Type };
    if (state.Next) shape.Next = state.Next;
    if (state.End) shape.End = true;
    if (state.Default) shape.Default = state.Default;
    if (state.Choices) shape.Choices = state.Choices.map((choice) => ({ Next: choice.Next }));
    if (state.Catch) {
      shape.Catch = state.Catch.map((handler) => ({ ErrorEquals: handler.ErrorEquals, Next: handler.Next }));
    }
    return [name, shape];
  });
  return { StartAt: machine.StartAt, States: Object.fromEntries(states) };
}

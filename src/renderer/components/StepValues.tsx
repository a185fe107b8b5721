import type { ShownValue } from '../exam/step-values.ts';
import { ValueCard } from './ValueCard.tsx';

/** A step's one value, large, and the device's other values it sent, small beside it. */
export function StepValues({ main, minor }: { main: ShownValue; minor: readonly ShownValue[] }) {
  return (
    <div className="values">
      <ValueCard measure={main.measure} text={main.text} absent={main.absent === true} />
      {minor.map(({ measure, text, absent }) => (
        <ValueCard key={measure.id} measure={measure} text={text} absent={absent === true} small />
      ))}
    </div>
  );
}

import type { ComponentType } from 'react';
import type { Category } from '../../format/measures.ts';
import { CuffPicture } from './Cuff.tsx';
import { GlucometerPicture } from './Glucometer.tsx';
import { OximeterPicture } from './Oximeter.tsx';
import { ScalePicture } from './Scale.tsx';
import { ThermometerPicture } from './Thermometer.tsx';

export { PressStartPicture } from './PressStart.tsx';

/** The picture of each exam step. */
export const PICTURES: Record<Category, ComponentType> = {
  oximeter: OximeterPicture,
  'blood-pressure': CuffPicture,
  thermometer: ThermometerPicture,
  scale: ScalePicture,
  glucometer: GlucometerPicture,
};

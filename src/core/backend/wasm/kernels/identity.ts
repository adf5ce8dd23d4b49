// Identity: the stock wasm kernel copies the data; tensors are immutable, so share it (as the cpu
// backend does) by taking a reference. Autograd and tf.customGrad call it for every saved tensor.
import { KernelFn, TensorInfo } from './util';

export const identity: KernelFn = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

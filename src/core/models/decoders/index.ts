/** Segmentation decoders on the ResNet encoder's stage maps: linear head (1×1 conv). */
export * from './linear';

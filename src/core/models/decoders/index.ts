/** Segmentation decoders on the ResNet encoder's stage maps: linear head (1×1 conv), U-Net, DeepLabv3+. */
export * from './linear';
export * from './unet';
export * from './deeplab';
export * from './build';

"""cnnlesson: an executable lesson on the design of a convolutional neural network."""

"""a2_keras_by_hand graders: Keras weights read and set by hand, judged against Keras itself."""
